#ifndef GOSSIPKV_CZLIB_SHIM_H
#define GOSSIPKV_CZLIB_SHIM_H
#include <zlib.h>
#endif
