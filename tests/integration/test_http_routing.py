"""Routing rules of an http listener against real servers: hosts (exact and
wildcard), path prefixes, methods and headers pick the backend, first match
wins, the default backend takes the rest; prefixes are stripped or rewritten
and headers set or removed on the way in and out; a reload changes the rules
for new requests without touching established connections."""
import unittest

from fixtures import IntegrationTest, header_values, http_backend_table, http_config, wait_for
from fixtures.http_client import Connection, get


class RoutingTest(IntegrationTest):
    def setUp(self):
        super().setUp()
        self.app = self.start_http_backend("app1")
        self.api = self.start_http_backend("api1")
        self.static = self.start_http_backend("static1")
        self.canary = self.start_http_backend("canary1")
        routes = [
            {"name": "api", "hosts": ["api.example.com"], "path_prefix": "/v1/", "backend": "api",
             "set_request_headers": ["X-Gateway: switchyard"], "remove_request_headers": ["Cookie"]},
            {"name": "static", "hosts": ["*.cdn.example.com", "www.example.com"], "path_prefix": "/static/",
             "methods": ["GET", "HEAD"], "strip_prefix": True, "backend": "static",
             "set_response_headers": ["Cache-Control: max-age=60"], "remove_response_headers": ["Server"]},
            {"name": "canary", "headers": ["X-Canary: 1"], "backend": "canary"},
            {"name": "legacy", "path_prefix": "/old/", "rewrite_prefix": "/new/", "backend": "api"},
        ]
        extra = [http_backend_table("api", [self.api]), http_backend_table("static", [self.static]),
                 http_backend_table("canary", [self.canary])]
        self.sy = self.start_switchyard(http_config([self.app], routes=routes, extra_backends=extra))
        self.port = self.sy.port()

    def server_for(self, target, host="www.example.com", method="GET", headers=None):
        with Connection(self.port) as connection:
            response = connection.request(method, target, headers, host=host)
        return response.header("X-Server"), response

    def test_host_and_path_pick_the_backend(self):
        self.assertEqual(self.server_for("/v1/users", host="api.example.com")[0], "api1")
        self.assertEqual(self.server_for("/v1/users", host="API.Example.COM:8080")[0], "api1")
        self.assertEqual(self.server_for("/v2/users", host="api.example.com")[0], "app1")  # default backend
        self.assertEqual(self.server_for("/static/a.css", host="img.cdn.example.com")[0], "static1")
        self.assertEqual(self.server_for("/static/a.css", host="cdn.example.com")[0], "app1")  # not a subdomain
        self.assertEqual(self.server_for("/index.html")[0], "app1")

    def test_methods_and_headers_are_conditions_too(self):
        self.assertEqual(self.server_for("/static/a.css", method="POST")[0], "app1")
        self.assertEqual(self.server_for("/anything", headers=[("X-Canary", "1")])[0], "canary1")
        self.assertEqual(self.server_for("/anything", headers=[("X-Canary", "0")])[0], "app1")
        # First match wins: the api route comes before the canary one.
        self.assertEqual(self.server_for("/v1/x", host="api.example.com", headers=[("X-Canary", "1")])[0], "api1")

    def test_prefix_strip_and_rewrite_keep_the_query(self):
        _, response = self.server_for("/static/css/a.css?v=3")
        self.assertEqual(response.json()["target"], "/css/a.css?v=3")
        _, response = self.server_for("/old/page?x=1", host="any")
        self.assertEqual((response.json()["server"], response.json()["target"]), ("api1", "/new/page?x=1"))

    def test_request_and_response_headers_are_set_and_removed(self):
        _, response = self.server_for("/v1/x", host="api.example.com",
                                      headers=[("Cookie", "session=1"), ("X-Gateway", "client-says")])
        seen = response.json()
        self.assertEqual(header_values(seen, "X-Gateway"), ["switchyard"])
        self.assertEqual(header_values(seen, "Cookie"), [])
        _, response = self.server_for("/static/a.css")
        self.assertEqual(response.header("Cache-Control"), "max-age=60")
        self.assertIsNone(response.header("Server"))
        _, response = self.server_for("/index.html")
        self.assertEqual(response.header("Server"), "test-backend")

    def test_access_log_names_the_route(self):
        mark = self.sy.log_mark()
        self.server_for("/v1/x", host="api.example.com", headers=[("X-Request-Id", "routed-1")])
        line = self.sy.wait_for_log("request_id=routed-1", timeout=5, after=mark)
        self.assertIn(" route=api backend=api server=api1 ", line)


class ReloadTest(IntegrationTest):
    def test_reload_changes_routes_for_new_requests_and_keeps_established_connections(self):
        app = self.start_http_backend("app1")
        api = self.start_http_backend("api1")
        config = http_config([app], extra_backends=[http_backend_table("api", [api])])
        sy = self.start_switchyard(config)
        port = sy.port()
        established = Connection(port)
        self.addCleanup(established.close)
        self.assertEqual(established.request("GET", "/v1/x").header("X-Server"), "app1")

        config["listener"][0]["route"] = [{"path_prefix": "/v1/", "backend": "api"}]
        sy.rewrite_config(config)
        self.assertEqual(sy.reload().returncode, 0)
        # New connections and the established one both follow the new rules,
        # and the established connection was never interrupted.
        self.assertEqual(get(port, "/v1/x").header("X-Server"), "api1")
        self.assertEqual(established.request("GET", "/v1/x").header("X-Server"), "api1")
        self.assertEqual(established.request("GET", "/other").header("X-Server"), "app1")

    def test_reload_adds_and_removes_an_http_listener(self):
        app = self.start_http_backend("app1")
        config = http_config([app])
        sy = self.start_switchyard(config)
        established = Connection(sy.port())
        self.addCleanup(established.close)
        self.assertEqual(established.request("GET", "/").status, 200)
        second = dict(config["listener"][0], name="second")
        config["listener"] = [second]
        sy.rewrite_config(config)
        self.assertEqual(sy.reload().returncode, 0, sy.log_tail())
        self.assertEqual(get(sy.port("second"), "/").status, 200)
        wait_for(lambda: [l["listener"] for l in sy.listeners()] == ["second"], 5, "the old listener to go")
        # The removed listener's established connection still works.
        self.assertEqual(established.request("GET", "/").status, 200)


if __name__ == "__main__":
    unittest.main()
