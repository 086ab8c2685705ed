#include "CTouchtoneSystem.h"
int ctt_placeholder(void) { return 0; }
