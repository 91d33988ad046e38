#ifndef CATALOG_CFASTCGI_SHIM_H
#define CATALOG_CFASTCGI_SHIM_H
/* libfcgi's request-level API (fcgiapp.h; never fcgi_stdio.h). */
#include <fcgiapp.h>
#endif
