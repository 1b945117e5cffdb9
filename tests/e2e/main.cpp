#define BOOST_TEST_MODULE salvo end to end
#include <boost/test/unit_test.hpp>
