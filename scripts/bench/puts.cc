// The start-up baseline: the smallest C++ program that prints a line
// (puts, so only libc is loaded). empty.cc, with iostream, is printed
// beside it for reference: it loads libstdc++ and flatters a ratio.
#include <cstdio>
int main() { std::puts("baseline"); }
