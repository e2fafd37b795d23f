// parleyd: the Parley chat server (see README.md and docs/).
#include <exception>
#include <iostream>

#include "server/app.hpp"
#include "server/options.hpp"

int main(int argc, char** argv) {
  using parley::server::options;
  std::string error;
  auto opts = parley::server::parse_options(argc, argv, error);
  if (!opts) {
    std::cerr << "parleyd: " << error << "\n" << parley::server::usage();
    return 2;
  }
  try {
    switch (opts->cmd) {
    case options::command::serve:
      return parley::server::serve(*opts);
    case options::command::token:
      return parley::server::print_token(*opts);
    case options::command::migrate:
      return parley::server::run_migrations(*opts);
    case options::command::help:
      std::cout << parley::server::usage();
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "parleyd: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
