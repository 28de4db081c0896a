/* leadd verify: the oracle. Offline, it recounts every counter and checks
 * every index, history entry and client folder against the lead records,
 * printing each difference. Exit 0 when all agree, 1 otherwise. */
#ifndef LEADD_VERIFY_H
#define LEADD_VERIFY_H

#include "config.h"

int verify_data_dir(const config_t *cfg);

#endif
