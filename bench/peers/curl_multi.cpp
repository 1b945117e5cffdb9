// salvo-bench-curl: libcurl's multi interface, tuned fairly: one easy handle per worker,
// connections reused (the multi handle's cache holds C of them), TCP_NODELAY, the DNS cache
// kept for the run, TLS sessions cached, HTTP/1.1, no Expect: 100-continue. Single-threaded.
// Same flags and the same JSON line as `salvo-bench http`.
#include "common/closed_loop.hpp"
#include "common/load_options.hpp"

#include <curl/curl.h>

#include <iostream>
#include <string>
#include <vector>

namespace {

using salvo::bench::closed_loop;

struct worker {
    CURL* easy = nullptr;
    std::string response;
    std::vector<std::uint32_t> samples;
    std::uint64_t failures = 0;
    closed_loop::turn turn = closed_loop::turn::warm_up;
    bool first = true;
    salvo::bench::bench_clock::time_point start;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
    static_cast<std::string*>(user)->append(data, size * count);
    return size * count;
}

}  // namespace

int main(int argc, char** argv) {
    salvo::bench::load_options options;
    if (auto problem = salvo::bench::parse_load_options(argc, argv, 1, options)) {
        std::cerr << "salvo-bench-curl: " << *problem << "\nflags:\n" << salvo::bench::load_usage();
        return 2;
    }
    if (options.threads != 1) {
        std::cerr << "salvo-bench-curl: one thread only (the multi interface is single-threaded)\n";
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM* multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(options.connections));
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, static_cast<long>(options.connections));

    curl_slist* headers = nullptr;
    for (const auto& h : options.headers) {
        std::string line = h.name;
        line.append(": ").append(h.value);
        headers = curl_slist_append(headers, line.c_str());
    }
    headers = curl_slist_append(headers, "Expect:");

    std::vector<worker> workers(options.connections);
    for (auto& w : workers) {
        CURL* e = curl_easy_init();
        w.easy = e;
        curl_easy_setopt(e, CURLOPT_URL, options.url.c_str());
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, options.method.c_str());
        if (!options.body.empty() || options.method == "POST" || options.method == "PUT") {
            curl_easy_setopt(e, CURLOPT_POSTFIELDS, options.body.data());
            curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, static_cast<long>(options.body.size()));
        }
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(e, CURLOPT_USERAGENT, "curl-multi");
        curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
        curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
        curl_easy_setopt(e, CURLOPT_DNS_CACHE_TIMEOUT, -1L);  // for the whole run
        curl_easy_setopt(e, CURLOPT_SSL_SESSIONID_CACHE, 1L);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, options.insecure ? 0L : 1L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, options.insecure ? 0L : 2L);
        if (!options.ca_file.empty()) {
            curl_easy_setopt(e, CURLOPT_CAINFO, options.ca_file.c_str());
        }
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &on_body);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, &w.response);
        curl_easy_setopt(e, CURLOPT_PRIVATE, &w);
    }

    closed_loop loop(options.connections, options.requests, options.duration);
    auto start = [&](worker& w) {
        w.turn = w.first ? closed_loop::turn::warm_up : loop.next();
        if (w.turn == closed_loop::turn::stop) {
            loop.finish(std::move(w.samples), w.failures);
            return;
        }
        w.response.clear();
        w.start = salvo::bench::bench_clock::now();
        curl_multi_add_handle(multi, w.easy);
    };
    for (auto& w : workers) {
        start(w);
    }
    bool reported = false;
    int running = 0;
    while (!loop.done()) {
        curl_multi_perform(multi, &running);
        int queued = 0;
        while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
            if (msg->msg != CURLMSG_DONE) {
                continue;
            }
            worker* w = nullptr;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &w);
            long status = 0;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
            const bool ok = msg->data.result == CURLE_OK && status > 0 && status < 400;
            if (!ok && !reported) {
                reported = true;
                std::cerr << "salvo-bench-curl: first failure: "
                          << curl_easy_strerror(msg->data.result) << " (HTTP " << status << ")\n";
            }
            curl_multi_remove_handle(multi, msg->easy_handle);
            if (w->turn == closed_loop::turn::measured) {
                w->samples.push_back(salvo::bench::elapsed_us(w->start));
                w->failures += ok ? 0 : 1;
            }
            if (w->first) {
                w->first = false;
                loop.warmed_up();
            }
            start(*w);
        }
        if (!loop.done()) {
            curl_multi_poll(multi, nullptr, 0, 100, nullptr);
        }
    }
    std::cout << loop.json_line() << std::endl;
    for (auto& w : workers) {
        curl_easy_cleanup(w.easy);
    }
    curl_slist_free_all(headers);
    curl_multi_cleanup(multi);
    curl_global_cleanup();
    return loop.failures() == 0 ? 0 : 1;
}
