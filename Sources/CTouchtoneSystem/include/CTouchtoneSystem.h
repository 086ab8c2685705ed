#ifndef CTOUCHTONE_SYSTEM_H
#define CTOUCHTONE_SYSTEM_H
/* System calls and constants Glibc's Swift overlay does not export. */
int ctt_placeholder(void);
#endif
