# promsec-ci: the GitHub container action and the GitLab CI image.
# Install steps mirror .ci/run: torch 2.13.0 first (here from the CPU wheel index, so no CUDA
# libraries), then the package with its pinned dependencies (action/constraints.txt).
FROM python:3.11.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# git: diffs and merge-bases. The CI workspace belongs to the runner's user, so trust it.
RUN apt-get update \
    && apt-get install -y --no-install-recommends git=1:2.39.5-0+deb12u3 \
    && rm -rf /var/lib/apt/lists/* \
    && git config --system --add safe.directory '*'

WORKDIR /opt/promsec-ci/src

RUN python -m pip install --no-cache-dir --index-url https://download.pytorch.org/whl/cpu "torch==2.13.0"

COPY pyproject.toml README.md ./
COPY action/constraints.txt ./action/constraints.txt
COPY promsec_ci ./promsec_ci
# The trained gGAN weights ship inside the package (promsec_ci/models_data, see ggan/ranker.py).
COPY models/ ./promsec_ci/models_data/
RUN python -m pip install --no-cache-dir -c action/constraints.txt . \
    && promsec-ci --version

COPY action/entrypoint.py /opt/promsec-ci/entrypoint.py

# uid 1001 is the runner user on GitHub-hosted runners: the mounted workspace and the
# GITHUB_OUTPUT / GITHUB_STEP_SUMMARY files stay writable without running as root.
RUN groupadd --gid 1001 promsec \
    && useradd --create-home --uid 1001 --gid 1001 --shell /usr/sbin/nologin promsec \
    && chmod 0755 /opt/promsec-ci/entrypoint.py
USER 1001:1001
WORKDIR /home/promsec

ENTRYPOINT ["promsec-ci"]
CMD ["--help"]
