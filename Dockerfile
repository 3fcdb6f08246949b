# syntax=docker/dockerfile:1
# traefik-coordinator: a static-Swift-stdlib release binary on a slim Debian with the system OpenSSL.
#   docker build -t traefik-coordinator .
#   docker run --rm traefik-coordinator version
# The build command is the one scripts/test runs (and checks) on every CI run.

FROM swift:6.3-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends libssl-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so a source change does not re-fetch them.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --static-swift-stdlib --product traefik-coordinator --scratch-path .build-release \
 && install -D -m 0755 "$(swift build -c release --static-swift-stdlib --scratch-path .build-release --show-bin-path)/traefik-coordinator" /out/traefik-coordinator

FROM debian:bookworm-slim
# libssl3: TLS through the system OpenSSL; ca-certificates: the system trust store (`redis.tls: true`).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libssl3 ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/traefik-coordinator /usr/local/bin/traefik-coordinator
# Non-root (the chart's runAsUser); the process needs no writable path, no shell, no capabilities.
USER 65532:65532
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/traefik-coordinator"]
CMD ["run", "--config", "/etc/traefik-coordinator/settings/coordinator.yaml"]
