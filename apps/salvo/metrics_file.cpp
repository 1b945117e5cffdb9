#include "metrics_file.hpp"

#include <salvo/http/prometheus.hpp>
#include <salvo/provision/atomic_file.hpp>

#include <charconv>

namespace salvo::cli {

namespace fs = std::filesystem;

namespace {

// One family: HELP, TYPE and its samples (`label` is `name="value"` or empty).
class family_writer {
  public:
    explicit family_writer(std::string& out) : out_(out) {}

    family_writer& family(std::string_view name, std::string_view type, std::string_view help) {
        name_ = name;
        out_ += "# HELP ";
        out_ += name;
        out_ += ' ';
        out_ += help;
        out_ += "\n# TYPE ";
        out_ += name;
        out_ += ' ';
        out_ += type;
        out_ += '\n';
        return *this;
    }

    family_writer& sample(double value, std::string_view label = {}) {
        out_ += name_;
        if (!label.empty()) {
            out_ += '{';
            out_ += label;
            out_ += '}';
        }
        out_ += ' ';
        char buf[32];
        const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value);
        out_.append(buf, ec == std::errc() ? end : buf);
        out_ += '\n';
        return *this;
    }

  private:
    std::string& out_;
    std::string name_;
};

double d(std::size_t n) {
    return static_cast<double>(n);
}

}  // namespace

std::string provision_metrics(const http::metrics_snapshot& engine,
                              const provision::run_summary& run, int exit_status) {
    std::string out = http::to_prometheus(engine);
    family_writer w(out);
    w.family("salvo_provision_entries", "gauge",
             "Entries of the manifest (this shard) handled by the run, by outcome.")
        .sample(d(run.created), R"(status="created")")
        .sample(d(run.existing), R"(status="existing")")
        .sample(d(run.failed), R"(status="failed")");
    w.family("salvo_provision_manifest_entries", "gauge", "Entries of the manifest (this shard).")
        .sample(d(run.entries));
    w.family("salvo_provision_entries_not_started", "gauge",
             "Entries not attempted because the run stopped early (also counted as failed).")
        .sample(d(run.not_started));
    w.family("salvo_provision_create_calls_total", "counter",
             "Create calls (POST /instances) sent by the runner; engine retries not counted.")
        .sample(d(run.create_calls));
    w.family("salvo_provision_reconcile_lookups_total", "counter",
             "Lookups by key tag after a create whose outcome was unknown.")
        .sample(d(run.reconcile_lookups));
    w.family("salvo_provision_reconciled_total", "counter",
             "Creates whose outcome was unknown, found created on the platform.")
        .sample(d(run.reconciled));
    w.family("salvo_provision_run_seconds", "gauge", "Wall time of the run in seconds.")
        .sample(run.seconds);
    w.family("salvo_provision_exit_status", "gauge",
             "Exit status of salvo provision: 0 all created or existing, 1 some failed, "
             "3 authentication rejected, 4 interrupted.")
        .sample(exit_status);
    return out;
}

std::string teardown_metrics(const http::metrics_snapshot& engine,
                             const provision::teardown_summary& run, int exit_status) {
    std::string out = http::to_prometheus(engine);
    family_writer w(out);
    w.family("salvo_teardown_instances", "gauge", "Instances of the batch, by outcome.")
        .sample(d(run.found), R"(status="found")")
        .sample(d(run.deleted), R"(status="deleted")")
        .sample(d(run.failed), R"(status="failed")");
    w.family("salvo_teardown_exit_status", "gauge",
             "Exit status of salvo teardown: 0 all deleted, 1 some failed, 3 authentication "
             "rejected.")
        .sample(exit_status);
    return out;
}

void write_metrics_file(const fs::path& path, std::string_view text) {
    provision::atomic_file file(path, 0644, "metrics file");
    file.write(text);
    file.commit();
}

std::string metrics_path_problem(const fs::path& path) {
    const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        return "directory " + dir.string() + " does not exist";
    }
    if (fs::is_directory(path, ec)) {
        return path.string() + " is a directory";
    }
    return {};
}

}  // namespace salvo::cli
