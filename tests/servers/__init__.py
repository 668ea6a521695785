"""Small HTTP servers on 127.0.0.1 that speak enough of the GitHub REST API and the GitLab API v4
for the real PyGithub and python-gitlab clients."""
