// libcurl (Debian's libcurl4-openssl-dev). curl_easy_setopt, curl_multi_setopt and
// curl_easy_getinfo are variadic and do not import into Swift, so these small inline
// wrappers take one fixed argument type each.
#include <curl/curl.h>

/// A body or header callback: (data, size, count, userdata) -> bytes taken.
typedef size_t (*galley_curl_data_callback)(char *data, size_t size, size_t count, void *userdata);

static inline CURLcode galley_curl_easy_setopt_long(CURL *easy, CURLoption option, long value) {
    return curl_easy_setopt(easy, option, value);
}

static inline CURLcode galley_curl_easy_setopt_offset(CURL *easy, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(easy, option, value);
}

/// libcurl copies string options (all but CURLOPT_POSTFIELDS, which is not used here).
static inline CURLcode galley_curl_easy_setopt_string(CURL *easy, CURLoption option, const char *value) {
    return curl_easy_setopt(easy, option, value);
}

static inline CURLcode galley_curl_easy_setopt_pointer(CURL *easy, CURLoption option, void *value) {
    return curl_easy_setopt(easy, option, value);
}

static inline CURLcode galley_curl_easy_setopt_slist(CURL *easy, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(easy, option, value);
}

static inline CURLcode galley_curl_easy_setopt_callback(CURL *easy, CURLoption option, galley_curl_data_callback value) {
    return curl_easy_setopt(easy, option, value);
}

static inline CURLMcode galley_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return curl_multi_setopt(multi, option, value);
}

static inline long galley_curl_easy_response_code(CURL *easy) {
    long code = 0;
    if (curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code) != CURLE_OK) return 0;
    return code;
}

/// The result of a finished transfer (a union member of CURLMsg).
static inline CURLcode galley_curl_message_result(const CURLMsg *message) {
    return message->data.result;
}

/// True when a CURLMsg says its transfer is done.
static inline int galley_curl_message_is_done(const CURLMsg *message) {
    return message->msg == CURLMSG_DONE;
}
