from __future__ import annotations

from pathlib import Path

import pytest

from packstation.config import ConfigError, load_config, resolve_db_url


def test_sample_config_loads(fixtures_dir: Path) -> None:
    cfg = load_config(fixtures_dir / "station-sample.toml")
    assert cfg.station_id == "PS-01" and cfg.locale == "ru"
    # A relative SQLite path is anchored at the config file, not the cwd.
    assert cfg.database_url == f"sqlite:///{(fixtures_dir / 'packstation.db').resolve()}"
    assert [b["code"] for b in cfg.raw["boxes"]] == ["BOX:S", "BOX:M", "BOX:BAG"]


def test_db_url_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    conf = tmp_path / "s.toml"
    conf.write_text('[database]\nurl = "postgresql+psycopg://cfg/db"\n', encoding="utf-8")
    cfg = load_config(conf)
    monkeypatch.delenv("PACKSTATION_DB", raising=False)
    assert resolve_db_url(None, cfg) == "postgresql+psycopg://cfg/db"
    monkeypatch.setenv("PACKSTATION_DB", "postgresql+psycopg://env/db")
    assert resolve_db_url(None, cfg) == "postgresql+psycopg://env/db"
    assert resolve_db_url("sqlite:///x.db", cfg) == "sqlite:///x.db"
    assert resolve_db_url(str(tmp_path / "plain.db"), cfg) == f"sqlite:///{tmp_path / 'plain.db'}"
    monkeypatch.delenv("PACKSTATION_DB")
    assert resolve_db_url(None, None).startswith("sqlite:///")


def test_broken_config_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[station\nid = 1", encoding="utf-8")
    with pytest.raises(ConfigError, match="bad.toml"):
        load_config(bad)
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml")


def test_shipper_block(fixtures_dir: Path) -> None:
    from packstation.config import ship_from

    cfg = load_config(fixtures_dir / "station-sample.toml")
    assert ship_from(cfg.raw)[0] == "Fulfilment centre Khimki"
    assert ship_from({}) == () and ship_from({"shipper": "x"}) == ()


def test_station_switches_are_true_or_false(tmp_path: Path) -> None:
    cfg = tmp_path / "station.toml"
    cfg.write_text("[station]\nid = 'PS-07'\nbig = true\nkiosk = false\n", encoding="utf-8")
    loaded = load_config(cfg)
    assert loaded.big is True and loaded.kiosk is False and loaded.ascii is False
    cfg.write_text('[station]\nbig = "false"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"station\.big must be true or false, not 'false'"):
        load_config(cfg)
