#define BOOST_TEST_MODULE salvo hostile servers and load
#include <boost/test/unit_test.hpp>
