#include "COpenSSLShims.h"

#include <openssl/err.h>
#include <openssl/opensslv.h>

int tcoord_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

int tcoord_SSL_CTX_set_min_proto_version(SSL_CTX *context, int version) {
    return (int)SSL_CTX_set_min_proto_version(context, version);
}

long tcoord_SSL_CTX_set_session_cache_mode(SSL_CTX *context, long mode) {
    return SSL_CTX_set_session_cache_mode(context, mode);
}

long tcoord_SSL_SESS_CACHE_OFF(void) { return SSL_SESS_CACHE_OFF; }

uint64_t tcoord_SSL_OP_NO_COMPRESSION(void) { return (uint64_t)SSL_OP_NO_COMPRESSION; }

uint64_t tcoord_SSL_OP_NO_RENEGOTIATION(void) { return (uint64_t)SSL_OP_NO_RENEGOTIATION; }

int tcoord_ERR_GET_LIB(unsigned long error) { return ERR_GET_LIB(error); }

int tcoord_ERR_GET_REASON(unsigned long error) { return ERR_GET_REASON(error); }

const char *tcoord_OPENSSL_VERSION_TEXT(void) { return OPENSSL_VERSION_TEXT; }
