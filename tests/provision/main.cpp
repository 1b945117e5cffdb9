// The provisioning core's unit tests: pure functions and temporary files, no network.
#define BOOST_TEST_MODULE provision_tests
#include <boost/test/unit_test.hpp>
