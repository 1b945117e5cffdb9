// Splitting captured output (a log, a metrics file, a subprocess's stderr) into lines, so that a
// test can check each line on its own and name the one that fails.
#pragma once

#include <sstream>
#include <string>
#include <vector>

namespace salvo::testing {

// The lines of `text` without their '\n'; a last line without one is kept.
inline std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        lines.push_back(line);
    }
    return lines;
}

}  // namespace salvo::testing
