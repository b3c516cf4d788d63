// The parts of OpenSSL's libcrypto Galley uses: HMAC, SHA-256, random bytes and
// constant-time comparison; RSA-SHA256 signatures, PEM keys, X.509 certificates and
// AES-256-GCM for WeChat Pay (GalleyPayments).
#include <openssl/hmac.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/bn.h>
#include <openssl/err.h>
