"""A deliberately vulnerable Flask app, written for promsec-ci's examples and tests."""

import hashlib
import os
import sqlite3
import subprocess

import yaml
from flask import Flask, jsonify, request

app = Flask(__name__)
DB_PATH = os.path.join(os.path.dirname(__file__), "users.db")
ADMIN_PASSWORD = "s3cr3t-admin"


def get_db():
    return sqlite3.connect(DB_PATH)


@app.route("/user")
def find_user():
    name = request.args.get("name", "")
    conn = get_db()
    cursor = conn.cursor()
    # CWE-89: the name is pasted into the SQL text
    cursor.execute("SELECT id, name, email FROM users WHERE name = '%s'" % name)
    row = cursor.fetchone()
    conn.close()
    return jsonify(row)


@app.route("/ping")
def ping():
    host = request.args.get("host", "127.0.0.1")
    # CWE-78: the host reaches a shell
    status = os.system("ping -c 1 " + host)
    return jsonify({"reachable": status == 0})


@app.route("/settings", methods=["POST"])
def load_settings():
    # CWE-502: yaml.load can build arbitrary Python objects
    settings = yaml.load(request.data, Loader=yaml.Loader)
    return jsonify(settings)


def password_hash(password):
    # CWE-327/328: MD5 is not a password hash
    return hashlib.md5(password.encode("utf-8")).hexdigest()


def list_directory(path):
    output = subprocess.check_output(["ls", "-l", path])
    return output.decode("utf-8").splitlines()


def check_admin(password):
    return password == ADMIN_PASSWORD


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=5000)
