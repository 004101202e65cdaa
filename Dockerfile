# Image for the gitstars docker work pool (see prefect.docker.yaml).
FROM prefecthq/prefect:3.9.1-python3.11
WORKDIR /opt/gitstars
COPY pyproject.toml README.md ./
COPY gitstars ./gitstars
COPY flows ./flows
COPY tasks ./tasks
COPY blocks ./blocks
RUN pip install --no-cache-dir '.[docker]'
