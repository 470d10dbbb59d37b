# SPDX-License-Identifier: Apache-2.0
# security-inspector: the admission webhook image.
#   docker build -t security-inspector .
# Build stage: the same Debian packages and meson steps as scripts/test.sh.
FROM debian:bookworm AS build
WORKDIR /src
COPY scripts/deps.sh scripts/deps.sh
RUN bash scripts/deps.sh && rm -rf /var/lib/apt/lists/*
COPY . .
RUN meson setup /build -Dtests=false -Dbuildtype=release -Dwerror=true \
 && ninja -C /build
# The runtime gets the binary and exactly the shared libraries it links, as
# ldd lists them (zlib1g's libz.so.1 for the HTML report among them): no
# package is installed there.
RUN mkdir -p /out/usr/bin /out/tmp && chmod 1777 /out/tmp \
 && cp /build/src/cli/security-inspector /out/usr/bin/ \
 && ldd /build/src/cli/security-inspector | awk '/=>/ { print $3 } /ld-linux/ { print $1 }' \
    | xargs -I{} cp --parents -L {} /out \
 && /out/usr/bin/security-inspector version
# The tz database, for --inspect-schedule 'CRON_TZ=Area/City ...'.
RUN if [ -d /usr/share/zoneinfo ]; then cp -a --parents /usr/share/zoneinfo /out; fi

# Runtime stage: no shell, no package manager, a numeric non-root user.
FROM scratch
COPY --from=build /out/ /
ENV PATH=/usr/bin
USER 65532:65532
EXPOSE 8443
ENTRYPOINT ["security-inspector", "serve"]
CMD ["--listen=0.0.0.0:8443", \
     "--tls-cert=/etc/security-inspector/tls/tls.crt", \
     "--tls-key=/etc/security-inspector/tls/tls.key"]
