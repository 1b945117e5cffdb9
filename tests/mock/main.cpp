#define BOOST_TEST_MODULE salvo_mock
#include <boost/test/unit_test.hpp>
