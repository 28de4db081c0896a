/* leadd verify: the oracle. Offline, it first walks every page of data.mdb
 * (verify_pages.c), then reads every record of every database through LMDB:
 * each must decode, LMDB errors and disagreeing counts are problems, and it
 * recounts every counter and checks every index, history entry, name and
 * reference against the records, printing each difference. Exit 0 when
 * all agree, 1 otherwise. */
#ifndef LEADD_VERIFY_H
#define LEADD_VERIFY_H

#include "config.h"

int verify_data_dir(const config_t *cfg);

#endif
