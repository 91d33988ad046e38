#ifndef CATALOG_COPENSSL_SHIM_H
#define CATALOG_COPENSSL_SHIM_H
/* libcrypto only: digests, HMAC, KDFs (scrypt) and the CSPRNG. */
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#endif
