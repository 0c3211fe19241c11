"""Uploads: images only (by content), at most 10 MB, EXIF removed, stored once; seen only by those allowed."""
from __future__ import annotations

import io
import os

import pytest
from PIL import Image

from server.cases import service as cases

from .conftest import jpeg_bytes, upload

pytestmark = pytest.mark.both_databases("the same picture is stored once through INSERT … ON CONFLICT DO NOTHING")


def test_only_real_images_are_accepted_whatever_their_name(live):
    me = live.sign_in(live.world.person("章小平"))
    fake = upload(me, b"%PDF-1.4 not an image at all", name="photo.jpg")
    assert fake.status_code == 422 and fake.get_json()["error"]["message"] == "无法识别的图片文件"
    missing = me.post("/uploads", data={"note": "no file"})
    assert missing.status_code == 422
    png = io.BytesIO()
    Image.new("RGBA", (10, 10), (255, 0, 0, 128)).save(png, format="PNG")
    stored = upload(me, png.getvalue(), name="whatever.bin")
    assert stored.status_code == 201 and stored.get_json()["content_type"] == "image/png"


def test_gps_and_other_exif_are_removed_and_the_same_picture_is_stored_once(live):
    me = live.sign_in(live.world.person("章小平"))
    original = jpeg_bytes(exif_gps=True)
    assert Image.open(io.BytesIO(original)).getexif()  # the test image really carries EXIF
    first = upload(me, original).get_json()
    second = upload(me, original).get_json()
    assert first["id"] == second["id"]
    served = me.get(f"/attachments/{first['id']}")
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/jpeg"
    assert not Image.open(io.BytesIO(served.content)).getexif()


def test_more_than_10_mb_is_refused_with_413(live):
    me = live.sign_in(live.world.person("章小平"))
    response = upload(me, os.urandom(11 * 1024 * 1024))
    assert response.status_code == 413
    assert response.get_json()["error"]["message"] == "请求内容过大"


def test_a_photo_is_seen_by_its_uploader_and_by_those_who_may_see_its_case(live):
    world = live.world
    me = live.sign_in(world.person("章小平"))
    neighbour = live.sign_in(world.person("沈建华"))
    photo = upload(me).get_json()["id"]
    assert me.get(f"/attachments/{photo}").status_code == 200
    assert neighbour.get(f"/attachments/{photo}").status_code == 404  # not attached to anything yet

    case = me.post("/cases", json={"description": "路灯坏了", "attachment_ids": [photo]}).get_json()
    unit = world.unit("湖滨街道公共管理办公室")
    other_unit = world.unit("湖滨街道便民服务中心")
    unit_staff = live.sign_in(world.unit_staff(unit.name))
    assert live.sign_in(world.person("严民强")).get(f"/attachments/{photo}").status_code == 200
    assert unit_staff.get(f"/attachments/{photo}").status_code == 404  # not routed to them yet
    cases.route_case(live.runtime.uow(), actor_id=world.office("hubin").id, case_id=case["id"], unit_id=unit.id)
    assert unit_staff.get(f"/attachments/{photo}").status_code == 200
    cases.route_case(live.runtime.uow(), actor_id=world.office("hubin").id, case_id=case["id"],
                     unit_id=other_unit.id)
    assert unit_staff.get(f"/attachments/{photo}").status_code == 404  # re-routed away from them
    assert neighbour.get(f"/attachments/{photo}").status_code == 404
