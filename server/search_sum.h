/* A lead's summary as the search engine reads it: filters, visibility and
 * sort keys are checked on it, never on the decoded lead. It is the write
 * core's record (lead_index.h), read with lead_summary_load. */
#ifndef LEADD_SEARCH_SUM_H
#define LEADD_SEARCH_SUM_H

#include "lead_index.h"

typedef lead_summary search_sum;

#endif
