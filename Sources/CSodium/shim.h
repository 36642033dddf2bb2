#ifndef GOSSIPKV_CSODIUM_SHIM_H
#define GOSSIPKV_CSODIUM_SHIM_H

#include <sodium.h>

#endif
