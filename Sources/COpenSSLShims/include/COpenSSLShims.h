// Out-of-line wrappers for the OpenSSL 3 macros that Swift cannot import (function-like macros around
// SSL_ctrl/SSL_CTX_ctrl, and option bits built with SSL_OP_BIT). Every name is prefixed `tcoord_`.
#ifndef TRAEFIK_COORDINATOR_COPENSSL_SHIMS_H
#define TRAEFIK_COORDINATOR_COPENSSL_SHIMS_H

#include <stdint.h>
#include <openssl/ssl.h>

/// SNI: `SSL_set_tlsext_host_name`. Returns 1 on success.
int tcoord_SSL_set_tlsext_host_name(SSL *ssl, const char *name);

/// `SSL_CTX_set_min_proto_version` (e.g. TLS1_2_VERSION). Returns 1 on success.
int tcoord_SSL_CTX_set_min_proto_version(SSL_CTX *context, int version);

/// `SSL_CTX_set_session_cache_mode`; returns the previous mode.
long tcoord_SSL_CTX_set_session_cache_mode(SSL_CTX *context, long mode);

/// `SSL_SESS_CACHE_OFF`.
long tcoord_SSL_SESS_CACHE_OFF(void);

/// `SSL_OP_NO_COMPRESSION`.
uint64_t tcoord_SSL_OP_NO_COMPRESSION(void);

/// `SSL_OP_NO_RENEGOTIATION`.
uint64_t tcoord_SSL_OP_NO_RENEGOTIATION(void);

/// `ERR_GET_LIB` (a static inline function in OpenSSL 3, wrapped so the Swift side does not depend on it).
int tcoord_ERR_GET_LIB(unsigned long error);

/// `ERR_GET_REASON`.
int tcoord_ERR_GET_REASON(unsigned long error);

/// `OPENSSL_VERSION_TEXT` of the headers compiled against (the runtime library is `OpenSSL_version`).
const char *tcoord_OPENSSL_VERSION_TEXT(void);

#endif
