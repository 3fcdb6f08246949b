// The system OpenSSL headers traefik-coordinator uses. Macros that Swift cannot import get out-of-line
// wrappers in a small C target when the TLS layer needs them.
#ifndef TRAEFIK_COORDINATOR_COPENSSL_SHIM_H
#define TRAEFIK_COORDINATOR_COPENSSL_SHIM_H

#include <openssl/evp.h>
#include <openssl/sha.h>

#endif
