// libpq's client API (PQconnectdbParams, PQexecParams, PQprepare, ...).
#include <libpq-fe.h>
