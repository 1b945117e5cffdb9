#define BOOST_TEST_MODULE salvo http engine
#include <boost/test/unit_test.hpp>
