#!/usr/bin/env bash
# AMX on the accelerator machine (../shared/DEVICE.md): its 16-core Xeon is
# the only CPU here with AMX. Build here, run there, read the files back.
#
#   scripts/device_amx.sh build         here: .device/ with vitctl, the kernels and
#                                       model test binaries and scaling.py
#   scripts/device_amx.sh run OUT [PART...]
#                                       there, from the repository root (carry
#                                       .device), results under OUT; PART is any of
#                                       tests bench model lowprec scaling (default all)
#
# What runs: the AMX and low-precision kernel tests with VITCTL_REQUIRE_AMX=1 (so
# a missing AMX fails instead of skipping), the model's low-precision accuracy
# test, BenchmarkAMXPeak/AMXCall/AMXLinear (ViT-B/16's GEMMs, A packed as rows
# and as tiles, K blocks 128–768), BenchmarkAttention (ViT-B/16's heads, fp32
# and bf16 products, AMX and AVX-512), BenchmarkPoolRun (one run's dispatch and
# wait at 16 threads) and BenchmarkViTB16 (time per kind of call, fp32/bf16/int8,
# bf16 and int8 with A as rows and as tiles, 1, 2 and 16 threads, 16 threads
# again with workers spinning 2 ms before they park, fp32 batch 16; three
# rounds so the layouts alternate; then BenchmarkViTTi16, the same for the
# built-in model's shape, once), vitctl benchmark in bf16 and int8 at 1–16 threads,
# fp32 and bf16 on the AVX-512 kernels at 1 and 16 threads (bf16 "via fp32", as on
# Intel CPUs without AMX, must not be slower),
# and scaling.py (vitctl vs ONNX Runtime vs PyTorch, about two minutes).
# About six minutes in all; PART picks fewer. Back here,
# scripts/bench_summary.py OUT/kernels_bench.txt prints its benchmarks as
# Markdown tables (medians over the rounds).
#
# The device tool sends the checkout its session started in (the lead's), not a
# helper's worktree: copy .device/ and this script there, into its ignored .device/,
# and run `bash .device/device_amx.sh run $OUT` with carry [".device"].
set -u
cmd=${1:-}
case $cmd in
build)
	set -e
	mkdir -p .device
	cp ../shared/device/scaling.py "$0" .device/
	export CGO_ENABLED=0
	go build -ldflags='-s -w' -o .device/vitctl ./cmd/vitctl
	go test -c -ldflags='-s -w' -o .device/kernels.test ./internal/kernels
	go test -c -ldflags='-s -w' -o .device/model.test ./internal/model
	git rev-parse HEAD >.device/commit
	git status --porcelain --untracked-files=no >>.device/commit
	ls -l .device
	;;
run)
	out=${2:?usage: scripts/device_amx.sh run OUT [PART...]}
	shift 2
	parts=${*:-tests bench model lowprec scaling}
	root=$PWD
	export OMP_WAIT_POLICY=PASSIVE VITCTL_REQUIRE_AMX=1
	has() { [[ " $parts " == *" $1 "* ]]; }
	{
		echo "commit: $(cat .device/commit)"
		date -u
		lscpu | head -25
		grep -o 'amx[a-z0-9_]*' /proc/cpuinfo | sort | uniq -c
		nproc
	} >"$out/machine.txt" 2>&1
	if has tests; then
		(cd internal/kernels && timeout 240 "$root/.device/kernels.test" -test.run 'AMX|BF16|I8|Low' \
			-test.v -test.timeout 230s) >"$out/kernels_tests.txt" 2>&1
		echo "kernels tests: exit $?" | tee -a "$out/machine.txt"
	fi
	if has model; then
		(cd internal/model && timeout 120 "$root/.device/model.test" -test.run 'LowPrecision' -test.v) \
			>"$out/model_tests.txt" 2>&1
		echo "model tests: exit $?" | tee -a "$out/machine.txt"
	fi
	if has bench; then
		cd internal/kernels
		{
			timeout 30 "$root/.device/kernels.test" -test.run '^$' -test.bench 'AMXPeak|AMXCall' -test.benchtime 200ms
			timeout 20 "$root/.device/kernels.test" -test.run '^$' -test.bench 'PoolRun' -test.benchtime 20000x
			timeout 120 "$root/.device/kernels.test" -test.run '^$' -test.bench 'AMXLinear' -test.benchtime 30x
			timeout 60 "$root/.device/kernels.test" -test.run '^$' -test.bench \
				'Attention/shape/precision/impl=(avx512|avx512_via_fp32|avx512bf16|amx)$' -test.benchtime 300x -test.count 3
			for round in 1 2 3; do
				echo "round $round"
				timeout 75 "$root/.device/kernels.test" -test.run '^$' -test.bench 'ViTB16' -test.benchtime 8x
			done
			timeout 40 "$root/.device/kernels.test" -test.run '^$' -test.bench 'ViTTi16' -test.benchtime 40x
		} >"$out/kernels_bench.txt" 2>&1
		echo "kernels bench: exit $?" | tee -a "$out/machine.txt"
		cd "$root"
	fi
	if has lowprec; then
		for p in bf16 int8; do
			timeout 90 .device/vitctl benchmark --arch vit-b --patch 16 --batch 1 --threads 1,2,4,8,16 \
				--precision $p --time 1s --warmup 300ms -o json >"$out/vitctl_$p.json" 2>>"$out/machine.txt"
			echo "vitctl $p: exit $?" | tee -a "$out/machine.txt"
		done
		# bf16 on the fp32 tiles (Intel without AMX) must not be slower than
		# fp32: both on the AVX-512 kernels, side by side.
		for p in fp32 bf16; do
			timeout 60 .device/vitctl benchmark --arch vit-b --patch 16 --batch 1 --threads 1,16 \
				--precision $p --kernel avx512 --time 1s --warmup 300ms -o json >"$out/vitctl_via_$p.json" 2>>"$out/machine.txt"
			echo "vitctl avx512 $p: exit $?" | tee -a "$out/machine.txt"
		done
	fi
	if has scaling; then
		timeout 300 python3 .device/scaling.py .device/vitctl "$out" >"$out/scaling.log" 2>&1
		echo "scaling.py: exit $?" | tee -a "$out/machine.txt"
	fi
	;;
*)
	sed -n 2,16p "$0" >&2
	exit 2
	;;
esac
