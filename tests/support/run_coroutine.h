// Runs one Asio coroutine to completion on an io_context in the calling thread: the synchronous
// face that tests give to asynchronous clients.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

namespace vmfabric::testing {

// Returns what `op` returned, or rethrows what it threw.
template <class T>
T run_coroutine(boost::asio::io_context& io, boost::asio::awaitable<T> op) {
  auto result = boost::asio::co_spawn(io, std::move(op), boost::asio::use_future);
  io.restart();
  io.run();
  return result.get();
}

}  // namespace vmfabric::testing
