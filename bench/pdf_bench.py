"""Benchmark: issue N signed certificates, against the naive pipeline measured in the same run.

- naive: for each certificate, draw it on a ReportLab canvas and sign it with pyHanko's
  ``SimpleSigner`` as its documentation shows (``SimpleSigner.load`` then ``signers.sign_pdf``),
  one process;
- ours: pdfs.batch.sign_all, which renders the same certificate, keeps the key loaded in each
  worker, reserves the signature's room instead of signing twice, and uses every core.

Every PDF from both sides is checked to carry a signature; a sample is validated by pyHanko.
Prints one JSON object.  Usage: python bench/pdf_bench.py [N] [NAIVE_N]
(the naive side may run on fewer certificates: its rate is what is compared).
"""
from __future__ import annotations

import io
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pdfs.batch import sign_all
from pdfs.certificate import CertificateData, render_certificate
from pdfs.fonts import cjk_font
from pdfs.signing import CA_CERT, SIGNER_CERT, SIGNER_KEY, SignerSpec, check_signature, ensure_authority

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华晨"


def certificates(count: int) -> list[CertificateData]:
    return [CertificateData(f"C2026-0001-{n:06d}", SURNAMES[n % 20] + GIVEN[n % 25] + GIVEN[(n * 7) % 25],
                            f"T{n:05d}", "北京分行海淀支行", "2026年第四季度柜员业务知识测试", str(60 + n % 40), "100",
                            True, "2026年11月29日", "示范银行总行", f"https://exam.example.cn/verify/CODE{n:012d}")
            for n in range(count)]


def naive(documents: list[CertificateData], folder: Path) -> list[bytes]:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    out = []
    for data in documents:
        signer = signers.SimpleSigner.load(str(folder / SIGNER_KEY), str(folder / SIGNER_CERT),
                                           ca_chain_files=(str(folder / CA_CERT),))
        writer = IncrementalPdfFileWriter(io.BytesIO(render_certificate(data)))
        meta = signers.PdfSignatureMetadata(field_name="Signature1")
        out.append(signers.sign_pdf(writer, meta, signer=signer).getvalue())
    return out


def run(count: int, naive_count: int) -> dict:
    cores = len(os.sched_getaffinity(0))
    cjk_font()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        ensure_authority(folder, "示范银行")
        spec = SignerSpec(folder=folder)
        documents = certificates(count)
        naive(documents[:3], folder)  # warm both paths (imports, font registration)

        start = time.perf_counter()
        baseline = naive(documents[:naive_count], folder)
        naive_seconds = time.perf_counter() - start

        start = time.perf_counter()
        ours = list(sign_all(documents, spec, processes=cores))
        our_seconds = time.perf_counter() - start

        authority = (folder / CA_CERT).read_bytes()
        assert len(ours) == count and all(b"/ByteRange" in pdf for pdf in ours + baseline)
        sample = [ours[0], ours[count // 2], ours[-1], baseline[0]]
        checks = [check_signature(pdf, authority) for pdf in sample]
        assert all(c.intact and c.trusted for c in checks), checks
    naive_rate, our_rate = naive_count / naive_seconds, count / our_seconds
    return {
        "benchmark": "signed certificates",
        "cores": cores,
        "naive": {"documents": naive_count, "seconds": round(naive_seconds, 2), "per_second": round(naive_rate, 1),
                  "mean_kib": round(sum(map(len, baseline)) / len(baseline) / 1024, 1)},
        "ours": {"documents": count, "seconds": round(our_seconds, 2), "per_second": round(our_rate, 1),
                 "processes": cores, "mean_kib": round(sum(map(len, ours)) / len(ours) / 1024, 1)},
        "speedup": round(our_rate / naive_rate, 2),
        "target": 4.0,
    }


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    naive_count = int(sys.argv[2]) if len(sys.argv) > 2 else min(count, 300)
    print(json.dumps(run(count, naive_count), ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
