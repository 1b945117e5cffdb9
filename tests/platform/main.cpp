#define BOOST_TEST_MODULE salvo platform client
#include <boost/test/unit_test.hpp>
