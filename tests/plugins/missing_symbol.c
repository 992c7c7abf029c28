/* Needs a symbol nothing provides: RTLD_NOW refuses it at load time. */
extern int devtrack_test_symbol_that_does_not_exist(void);
int use_it(void) { return devtrack_test_symbol_that_does_not_exist(); }
