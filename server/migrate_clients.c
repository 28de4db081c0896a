/* Placeholder until folder keys are rebuilt (issue 10). */
#include "client_folder.h"

void migrate_clients(store_txn *t)
{
	(void)t;
}
