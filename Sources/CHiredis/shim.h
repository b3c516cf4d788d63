// hiredis: the synchronous API only. redisCommand is variadic and does not import;
// Galley uses redisCommandArgv / redisAppendCommandArgv, which are binary safe.
#include <hiredis/hiredis.h>
