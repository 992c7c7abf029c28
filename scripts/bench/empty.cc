// The baseline: a minimal C++ program (iostream linked, prints a line).
#include <iostream>
int main() { std::cout << "baseline\n"; }
