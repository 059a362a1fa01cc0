#!/usr/bin/env bash
# Builds vecprop and the benchmarks, then runs the JMH suites behind the README's tables, writing
# JSON to jmh/results/ and a summary (medians) to stdout. Takes about 40 minutes on 2 cores.
# Usage: jmh/run-benchmarks.sh [gemm|elementwise|latency]...   (default: all three)
set -euo pipefail
cd "$(dirname "$0")"
java="$(../scripts/find-jdk25)/bin/java"
(cd .. && mvn -q install -DskipTests)
mvn -q package -Djavacpp.platform=linux-x86_64
mkdir -p results

# OpenBLAS must run its AVX-512 kernel: machines of this kind set OPENBLAS_CORETYPE (and
# OPENBLAS_L2_SIZE), which force the AVX2 Haswell kernel. OPENBLAS_VERBOSE=2 makes each fork print
# the core OpenBLAS chose ("Core: ...").
jmh() {
  local name="$1"
  shift
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_VERBOSE=2 \
    "$java" -jar target/benchmarks.jar -f 3 -wi 3 -w 1 -i 3 -r 1 -rf json -rff "results/$name.json" "$@" \
    | tee "results/$name.log" | grep -E "^(Core:|Benchmark|[A-Z][A-Za-z]*Benchmark\.)" | sort -u
}

for suite in "${@:-gemm elementwise latency}"; do
  for s in $suite; do
    case "$s" in
      gemm)
        jmh gemm-parallel GemmBenchmark -p impl=vecprop,openblas,openblas-float[] -p threads=1,2
        jmh gemm-single GemmBenchmark -p impl=scalar,ejml -p threads=1
        ;;
      elementwise)
        jmh elementwise 'ElementwiseBenchmark\.(relu|sigmoid|columnSums|addBias|argmax)' -p size=5000,1000000
        jmh softmax 'ElementwiseBenchmark\.softmax' -p size=100x10,100x1000
        ;;
      latency)
        jmh latency 'TrainStepBenchmark|PredictBenchmark' -prof gc
        ;;
      *) echo "unknown suite $s: use gemm, elementwise or latency" >&2; exit 2 ;;
    esac
  done
done
python3 summarize.py results/*.json
