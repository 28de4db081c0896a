#include <time.h>

#include "server.h"

int64_t (*server_clock_hook)(int64_t real_ms);

int64_t server_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	int64_t ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	return server_clock_hook ? server_clock_hook(ms) : ms;
}
