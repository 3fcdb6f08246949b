// The system OpenSSL headers traefik-coordinator uses (libssl-dev, OpenSSL 3). Macros that Swift cannot import
// have out-of-line wrappers in the COpenSSLShims target.
#ifndef TRAEFIK_COORDINATOR_COPENSSL_SHIM_H
#define TRAEFIK_COORDINATOR_COPENSSL_SHIM_H

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#endif
