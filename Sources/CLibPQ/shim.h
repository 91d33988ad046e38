#ifndef CATALOG_CLIBPQ_SHIM_H
#define CATALOG_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
