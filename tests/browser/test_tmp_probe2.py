import pytest
pytestmark = [pytest.mark.browser]

def test_csp(page, live_server):
    page.goto(live_server.url + "/")
    page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.x=1'; document.body.append(s);
      const i = document.createElement('img'); i.src = 'http://198.51.100.1/x.png'; document.body.append(i); }""")
    page.wait_for_timeout(300)

def test_console_error(page, live_server):
    page.goto(live_server.url + "/")
    page.evaluate("console.error('boom')")

def test_404(page, live_server):
    page.goto(live_server.url + "/")
    page.evaluate("fetch('/nope')")
    page.wait_for_timeout(300)
