// The parts of OpenSSL's libcrypto Galley uses: HMAC, SHA-256, random bytes and
// constant-time comparison.
#include <openssl/hmac.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
