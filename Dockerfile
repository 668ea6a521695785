# promsec-ci: the GitHub container action and the GitLab CI image.
# Install steps mirror .ci/run: torch 2.13.0 first (here from the CPU wheel index, so no CUDA
# libraries), then the package with its pinned dependencies (action/constraints.txt).
FROM python:3.11.13-slim-bookworm AS python-base

# SpotBugs + the FindSecBugs plugin from Maven Central, pinned by version and SHA-256 (where each
# digest comes from: docs/java.md). Fetched in their own stage so curl stays out of the image; a
# digest mismatch, or a digest ARG overridden with an empty value, fails the build.
FROM python-base AS spotbugs
ARG SPOTBUGS_VERSION=4.8.6
ARG SPOTBUGS_SHA256=b9d4d25e53cd4202b2dc19c549c0ff54f8a72fc76a71a8c40dee94422c67ebea
ARG FINDSECBUGS_VERSION=1.13.0
ARG FINDSECBUGS_SHA256=c239763a8c327b5fb653a34dece6398578bf435b9a32c212bb8e1abe701368a5
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u15 \
    && rm -rf /var/lib/apt/lists/*
RUN : "${SPOTBUGS_SHA256:?SPOTBUGS_SHA256 must be set}" "${FINDSECBUGS_SHA256:?FINDSECBUGS_SHA256 must be set}" \
    && curl -fsSL --retry 3 -o /tmp/spotbugs.tgz \
        "https://repo1.maven.org/maven2/com/github/spotbugs/spotbugs/${SPOTBUGS_VERSION}/spotbugs-${SPOTBUGS_VERSION}.tgz" \
    && curl -fsSL --retry 3 -o /tmp/findsecbugs-plugin.jar \
        "https://repo1.maven.org/maven2/com/h3xstream/findsecbugs/findsecbugs-plugin/${FINDSECBUGS_VERSION}/findsecbugs-plugin-${FINDSECBUGS_VERSION}.jar" \
    && printf '%s  %s\n' "${SPOTBUGS_SHA256}" /tmp/spotbugs.tgz "${FINDSECBUGS_SHA256}" /tmp/findsecbugs-plugin.jar \
        | sha256sum -c - \
    && mkdir -p /opt/spotbugs \
    && tar -xzf /tmp/spotbugs.tgz -C /opt/spotbugs --strip-components=1 \
    && mkdir -p /opt/spotbugs/plugin \
    && mv /tmp/findsecbugs-plugin.jar "/opt/spotbugs/plugin/findsecbugs-plugin-${FINDSECBUGS_VERSION}.jar" \
    && test -f /opt/spotbugs/lib/spotbugs.jar \
    && rm /tmp/spotbugs.tgz

FROM python-base

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# git: diffs and merge-bases. The CI workspace belongs to the runner's user, so trust it.
# A headless JDK compiles changed Java sources for SpotBugs (javac) and runs it; the servlet API
# lets servlet code compile alone. The slim image lacks the man folder the JDK's postinst links into.
RUN mkdir -p /usr/share/man/man1 \
    && apt-get update \
    && apt-get install -y --no-install-recommends git=1:2.39.5-0+deb12u3 \
        openjdk-17-jdk-headless=17.0.21.1+2-1~deb12u1 libservlet-api-java=4.0.1-2 \
    && rm -rf /var/lib/apt/lists/* \
    && git config --system --add safe.directory '*'

COPY --from=spotbugs /opt/spotbugs /opt/spotbugs
ENV SPOTBUGS_HOME=/opt/spotbugs

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
