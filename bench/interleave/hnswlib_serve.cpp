// hnswlib (C++ headers from Debian libhnswlib-dev) behind the line protocol of Lookalike.Bench's `serve` mode, so that
// bench/interleave.py can alternate the two per efSearch point. Compiled for the host CPU (-O3 -march=native) like
// ../shared/bench/peers/hnswlib_native: the same space (L2, or inner product on normalised copies for cosine), the
// same M / efConstruction, the same per-query clock reads, and the same JSON record fields ("peer": "hnswlib-native").
//
// Build: g++ -O3 -march=native -DNDEBUG -pthread -o hnswlib_serve hnswlib_serve.cpp
// Usage: hnswlib_serve DATA_DIR [--k 10] [--M 16] [--efc 200] [--dataset NAME]
// stdin: "build T" (a new index with T threads; a build record), "search EF" (200 warm-up queries, one timed
// single-thread pass; a single record), "quit".
#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>
#include <unistd.h>

using clk = std::chrono::steady_clock;

template <typename T>
static std::vector<T> read_vecs(const std::string& path, int& n, int& d) {
    std::ifstream f(path, std::ios::binary);
    if (!f) { std::cerr << "cannot open " << path << "\n"; std::exit(2); }
    f.seekg(0, std::ios::end);
    size_t bytes = f.tellg();
    f.seekg(0);
    int32_t dim = 0;
    f.read(reinterpret_cast<char*>(&dim), 4);
    d = dim;
    n = static_cast<int>(bytes / (4 + 4 * static_cast<size_t>(d)));
    std::vector<T> out(static_cast<size_t>(n) * d);
    f.seekg(0);
    for (int i = 0; i < n; i++) {
        f.read(reinterpret_cast<char*>(&dim), 4);
        f.read(reinterpret_cast<char*>(out.data() + static_cast<size_t>(i) * d), 4 * static_cast<size_t>(d));
    }
    return out;
}

// CPU seconds of the calling thread (CLOCK_THREAD_CPUTIME_ID): on a shared machine, the time the pass actually ran.
static double thread_cpu_s() { timespec t{}; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec * 1e-9; }

static double load1() { double l[1] = {NAN}; getloadavg(l, 1); return l[0]; }

// A /proc/self/status field in bytes (VmRSS: resident now; VmHWM: peak resident), -1 where there is none.
static long long status_bytes(const char* field) {
    std::ifstream f("/proc/self/status");
    std::string line, want = std::string(field) + ":";
    while (std::getline(f, line))
        if (line.compare(0, want.size(), want) == 0) return std::stoll(line.substr(want.size())) * 1024;
    return -1;
}

static double pct(std::vector<double> v, double p) {
    if (v.empty()) return NAN;
    std::sort(v.begin(), v.end());
    double pos = p / 100.0 * (v.size() - 1);
    size_t lo = static_cast<size_t>(std::floor(pos)), hi = static_cast<size_t>(std::ceil(pos));
    return v[lo] + (v[hi] - v[lo]) * (pos - lo);
}

static std::string num(double v, int prec = 4) {
    if (std::isnan(v)) return "null";
    char b[64];
    std::snprintf(b, sizeof b, "%.*f", prec, v);
    return b;
}

int main(int argc, char** argv) {
    std::map<std::string, std::string> opt;
    std::string dir;
    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        if (a.rfind("--", 0) == 0 && i + 1 < argc) opt[a.substr(2)] = argv[++i];
        else dir = a;
    }
    if (dir.empty()) { std::cerr << "usage: hnswlib_serve DATA_DIR [--k 10] [--M 16] [--efc 200]\n"; return 2; }
    auto get = [&](const char* k, const char* d) { return opt.count(k) ? opt[k] : std::string(d); };
    const int k = std::stoi(get("k", "10"));
    const int M = std::stoi(get("M", "16"));
    const int efc = std::stoi(get("efc", "200"));
    while (!dir.empty() && dir.back() == '/') dir.pop_back();
    const std::string dataset = get("dataset", dir.substr(dir.find_last_of('/') + 1).c_str());
    std::ifstream mf(dir + "/meta.json");
    std::string meta((std::istreambuf_iterator<char>(mf)), std::istreambuf_iterator<char>());
    const bool l2 = meta.find("\"metric\": \"l2\"") != std::string::npos;

    int nb, dim, nq, dq, ngt, gtk;
    auto xb = read_vecs<float>(dir + "/base.fvecs", nb, dim);
    auto xq = read_vecs<float>(dir + "/query.fvecs", nq, dq);
    auto gt = read_vecs<int>(dir + "/groundtruth.ivecs", ngt, gtk);
    if (dq != dim || ngt != nq || gtk < k) { std::cerr << "dataset shape mismatch\n"; return 2; }
    if (!l2) {  // cosine = inner product on normalised copies, as the peers' runner does
        auto norm = [&](std::vector<float>& x, int n) {
            for (int i = 0; i < n; i++) {
                float* p = x.data() + static_cast<size_t>(i) * dim;
                double s = 0; for (int j = 0; j < dim; j++) s += double(p[j]) * p[j];
                float inv = static_cast<float>(1.0 / (std::sqrt(s) + 1e-30));
                for (int j = 0; j < dim; j++) p[j] *= inv;
            }
        };
        norm(xb, nb); norm(xq, nq);
    }
    std::unique_ptr<hnswlib::SpaceInterface<float>> space;
    if (l2) space.reset(new hnswlib::L2Space(dim)); else space.reset(new hnswlib::InnerProductSpace(dim));
#if defined(USE_AVX512)
    const char* simd = "avx512";
#elif defined(USE_AVX)
    const char* simd = "avx";
#elif defined(USE_SSE)
    const char* simd = "sse";
#else
    const char* simd = "scalar";
#endif
    std::unique_ptr<hnswlib::HierarchicalNSW<float>> index;
    double build_s = 0; int bt_used = 0; long long ibytes = -1; double cpu_qps = NAN;
    auto emit = [&](const char* mode, int ef, double recall, double qps, double p50, double p99) {
        std::cout << "{\"peer\": \"hnswlib-native\", \"dataset\": \"" << dataset << "\", \"mode\": \"" << mode
                  << "\", \"params\": {\"M\": " << M << ", \"efConstruction\": " << efc << ", \"space\": \""
                  << (l2 ? "l2" : "ip(cosine)") << "\", \"simd\": \"" << simd
                  << "\", \"version\": \"libhnswlib-dev headers\", \"compiler\": \"g++ " << __VERSION__
                  << " -O3 -march=native\"" << (ef > 0 ? ", \"ef\": " + std::to_string(ef) : std::string())
                  << "}, \"build_s\": " << num(build_s) << ", \"build_threads\": " << bt_used
                  << ", \"index_bytes\": " << ibytes << ", \"threads\": " << (ef > 0 ? 1 : bt_used)
                  << ", \"k\": " << (ef > 0 ? std::to_string(k) : "null")
                  << ", \"ef\": " << (ef > 0 ? std::to_string(ef) : "null")
                  << ", \"recall_at_k\": " << num(recall, 5) << ", \"qps\": " << num(qps, 1)
                  << ", \"p50_ms\": " << num(p50) << ", \"p99_ms\": " << num(p99)
                  << ", \"n_queries\": " << (ef > 0 ? std::to_string(nq) : "null")
                  << ", \"load1\": " << num(load1(), 2) << ", \"rss_bytes\": " << status_bytes("VmRSS")
                  << ", \"peak_rss_bytes\": " << status_bytes("VmHWM") << ", \"rss_anon_bytes\": " << status_bytes("RssAnon")
                  << ", \"rss_file_bytes\": " << status_bytes("RssFile")
                  << ", \"cpu_qps\": " << (ef > 0 ? num(cpu_qps, 1) : std::string("null")) << "}" << std::endl;
    };
    std::vector<int> found(static_cast<size_t>(nq) * k, -1);
    std::vector<double> lat(nq);
    auto run_one = [&](int i) {
        auto res = index->searchKnn(xq.data() + static_cast<size_t>(i) * dim, k);
        int j = static_cast<int>(res.size());
        while (!res.empty()) { if (--j < k) found[static_cast<size_t>(i) * k + j] = static_cast<int>(res.top().second); res.pop(); }
    };
    std::cerr << "hnswlib-native serve: " << dataset << " " << nb << "x" << dim << ", " << nq << " queries, ready\n";
    std::string line;
    while (std::getline(std::cin, line)) {
        std::istringstream in(line);
        std::string cmd; int arg = 0;
        in >> cmd >> arg;
        if (cmd == "quit") break;
        if (cmd == "build" && arg > 0) {
            index.reset();
            index.reset(new hnswlib::HierarchicalNSW<float>(space.get(), nb, M, efc, 100));
            auto t0 = clk::now();
            std::atomic<int> next{0};
            auto worker = [&]() { int i; while ((i = next.fetch_add(1)) < nb) index->addPoint(xb.data() + static_cast<size_t>(i) * dim, i); };
            if (arg == 1) worker();
            else { std::vector<std::thread> ts; for (int t = 0; t < arg; t++) ts.emplace_back(worker); for (auto& t : ts) t.join(); }
            build_s = std::chrono::duration<double>(clk::now() - t0).count();
            bt_used = arg;
            char tmpl[] = "/tmp/hnswserve_XXXXXX";
            int fd = mkstemp(tmpl);
            if (fd >= 0) {
                close(fd);
                index->saveIndex(tmpl);
                std::ifstream f(tmpl, std::ios::binary | std::ios::ate);
                ibytes = static_cast<long long>(f.tellg());
                std::remove(tmpl);
            }
            emit("build", 0, NAN, NAN, NAN, NAN);
        } else if (cmd == "search" && arg > 0 && index) {
            index->setEf(std::max(arg, k));
            for (int i = 0; i < std::min(nq, 200); i++) run_one(i);
            auto t0 = clk::now();
            double c0 = thread_cpu_s();
            for (int i = 0; i < nq; i++) {
                auto a = clk::now();
                run_one(i);
                lat[i] = std::chrono::duration<double, std::milli>(clk::now() - a).count();
            }
            double qps = nq / std::chrono::duration<double>(clk::now() - t0).count();
            cpu_qps = nq / (thread_cpu_s() - c0);
            long hits = 0;
            for (int i = 0; i < nq; i++) {
                std::unordered_set<int> s(gt.begin() + static_cast<size_t>(i) * gtk, gt.begin() + static_cast<size_t>(i) * gtk + k);
                for (int j = 0; j < k; j++) hits += s.count(found[static_cast<size_t>(i) * k + j]);
            }
            emit("single", arg, double(hits) / (double(nq) * k), qps, pct(lat, 50), pct(lat, 99));
        } else {
            std::cout << "{\"error\": \"unknown or premature command\"}" << std::endl;
        }
    }
    return 0;
}
