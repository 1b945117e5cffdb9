// The policy layer's unit tests: deterministic (fake clock, seeded random source), no I/O.
#define BOOST_TEST_MODULE policy_tests
#include <boost/test/unit_test.hpp>
