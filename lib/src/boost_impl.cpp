// The one translation unit that compiles Asio, Asio.SSL, Beast, Boost.JSON and Boost.URL.
// Every other unit sees them through BOOST_*_SEPARATE_COMPILATION and links this one.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
#include <boost/json/src.hpp>
#include <boost/url/src.hpp>
