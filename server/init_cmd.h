#ifndef LEADD_INIT_CMD_H
#define LEADD_INIT_CMD_H

#include "config.h"

/* Exit status: 0 created, 1 refused or failed, 2 usage. */
int init_data_dir(const config_t *cfg, const char *admin, int password_stdin);

#endif
