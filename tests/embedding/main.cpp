#define BOOST_TEST_MODULE salvo embedding
#include <boost/test/unit_test.hpp>
