# Chromium for the browser test of package report (report/browser_test.go), sourced by
# .ci/run: installs Debian's chromium package when no Chromium is found, and exports
# IMEDNET_TEST_CHROMIUM (its path) and IMEDNET_REQUIRE_CHROMIUM=1, so that the test runs and
# never skips. With IMEDNET_TEST_CHROMIUM already set, that browser is used as it is.
#
# By hand:  . .ci/chromium.sh && go test -run TestBrowser ./report

if [ -z "${IMEDNET_TEST_CHROMIUM:-}" ]; then
  if ! command -v chromium >/dev/null 2>&1; then
    echo "installing Chromium from Debian's packages"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  fi
  IMEDNET_TEST_CHROMIUM=$(command -v chromium)
fi
export IMEDNET_TEST_CHROMIUM
export IMEDNET_REQUIRE_CHROMIUM=1
echo "Chromium for the browser test: $IMEDNET_TEST_CHROMIUM ($("$IMEDNET_TEST_CHROMIUM" --version 2>/dev/null | tail -n 1))"
