// libFuzzer: the manifest parser (JSON and NDJSON, ${VAR} expansion) on arbitrary bytes.
// The first byte picks the format; a fake environment gives every variable a secret value,
// except names starting with UNSET. Contracts checked: no exception, no crash, problems never
// quote an expanded (secret) value, a manifest without problems has usable entries.
#include <salvo/provision/manifest.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

constexpr std::string_view secret_marker = "FzSecretValue";

std::optional<std::string> fake_env(std::string_view name) {
    if (name.rfind("UNSET", 0) == 0) {
        return std::nullopt;
    }
    std::string value(secret_marker);
    value += name;
    return value;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return 0;
    }
    using salvo::provision::manifest_format;
    static constexpr manifest_format formats[] = {manifest_format::detect, manifest_format::json,
                                                  manifest_format::ndjson};
    static constexpr const char* names[] = {"fuzz.json", "fuzz.ndjson", "fuzz.jsonl"};
    salvo::provision::load_options options;
    options.env = fake_env;
    options.format = formats[data[0] % 3];
    const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
    const bool input_has_marker = text.find(secret_marker) != std::string_view::npos;

    const auto result = salvo::provision::parse_manifest(text, names[(data[0] / 3) % 3], options);
    for (const auto& p : result.problems) {
        const std::string line = salvo::provision::to_string(p);
        if (!input_has_marker && line.find(secret_marker) != std::string::npos) {
            std::abort();  // a problem quoted a value expanded from the environment
        }
    }
    if (result.ok()) {
        for (const auto& e : result.value.entries) {
            if (e.name.empty() || e.key.empty() || e.element.empty()) {
                std::abort();  // validated, yet an entry lacks what the runner relies on
            }
        }
    } else if (!result.value.entries.empty()) {
        std::abort();  // documented: on problems the value is empty
    }

    std::string error;
    const auto expanded = salvo::provision::expand_variables(text, fake_env, error);
    if (!expanded && error.empty()) {
        std::abort();
    }
    return 0;
}
