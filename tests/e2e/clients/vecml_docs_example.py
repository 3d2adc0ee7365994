# The example program of the VecML AutoML API docs ("An Example WorkFlow", seed 000),
# kept as the docs print it. The only change a user makes is BASE_URL (and the key):
# here both come from the environment so the tests can point it at a local server.
import os
import time

import numpy as np
import requests

# Configuration
API_KEY = os.environ.get("VECML_API_KEY", "replace_this_with_your_api_key")
BASE_URL = os.environ.get("VECML_API_URL", "https://aidb.vecml.com/api")


def make_request(endpoint, data):
    """Helper function to make API calls"""
    url = f"{BASE_URL}/{endpoint}"
    response = requests.post(url, json=data)
    print(f"Request to {endpoint}: HTTP {response.status_code}")
    if response.text:
        try:
            json_response = response.json()
            print(f"Response: {json_response}")
            return response.status_code, json_response
        except requests.exceptions.JSONDecodeError:
            print(f"Response: {response.text}")
            return response.status_code, {"error": "Not JSON", "message": response.text}
    else:
        print("Response: Empty")
        return response.status_code, None


def wait_for_job_completion(job_id, status_endpoint, max_wait_time=60):
    """Wait for an async job to complete"""
    start_time = time.time()
    while True:
        status_data = {"user_api_key": API_KEY, "job_id": job_id}
        status, status_response = make_request(status_endpoint, status_data)
        if status_response and status_response.get("status") == "finished":
            return True
        elif status_response and status_response.get("status") == "failed":
            return False
        if time.time() - start_time > max_wait_time:
            return False
        time.sleep(2)


def generate_dataset(num_samples, vector_dim, id_prefix, seed=2025):
    """Generate dataset with linear decision boundary"""
    np.random.seed(seed)
    vectors = np.random.randn(num_samples, vector_dim).tolist()
    categories = [np.random.choice(["A", "B", "C"]) for _ in range(num_samples)]
    labels = []
    for vec, category in zip(vectors, categories):
        # Linear combination of first few components plus category weight
        score = sum(vec[:20]) + {"A": 1.0, "B": -0.5, "C": 0.0}[category]
        label = "1" if score > 0 else "0"
        labels.append(label)
    # Generate IDs and attributes
    ids = [f"{id_prefix}_{i:03d}" for i in range(num_samples)]
    attributes = [{"label": str(label), "category": category} for label, category in zip(labels, categories)]
    return vectors, ids, attributes


# Clean up any existing project
status, response = make_request("delete_project", {"user_api_key": API_KEY, "project_name": "AutoML-Demo"})
# 1. Create a project
project_data = {"user_api_key": API_KEY, "project_name": "AutoML-Demo", "application": "Machine Learning"}
status, response = make_request("create_project", project_data)
# 2. Initialize training dataset
init_data = {
    "user_api_key": API_KEY,
    "project_name": "AutoML-Demo",
    "collection_name": "training_data",
    "vector_type": "dense",
    "vector_dim": 64,
}
status, response = make_request("init", init_data)
# 3. Generate and add training data using add_data_batch
vectors, ids, attributes = generate_dataset(num_samples=1000, vector_dim=64, id_prefix="train", seed=2025)
# Add training data in batch
batch_data = {
    "user_api_key": API_KEY,
    "project_name": "AutoML-Demo",
    "collection_name": "training_data",
    "string_ids": ids,
    "data": vectors,
    "attributes": attributes,
}
status, response = make_request("add_data_batch", batch_data)
train_upload_job_id = response["job_id"]
# Wait for training data upload to complete
if not wait_for_job_completion(train_upload_job_id, "get_upload_data_status", max_wait_time=30):
    exit(1)
# --- end of the data steps ---
# 4. Train AutoML model
train_data = {
    "user_api_key": API_KEY,
    "project_name": "AutoML-Demo",
    "collection_name": "training_data",
    "model_name": "model1",
    "training_mode": "high_speed",
    "task_type": "classification",
    "label_attribute": "label",
    "train_categorical_features": ["category"],
}
status, response = make_request("train_automl_model", train_data)
train_job_id = response["job_id"]
# Wait for training to complete
if not wait_for_job_completion(train_job_id, "get_automl_training_status", max_wait_time=60):
    exit(1)
# 5. Initialize prediction dataset
pred_init_data = {
    "user_api_key": API_KEY,
    "project_name": "AutoML-Demo",
    "collection_name": "prediction_data",
    "vector_type": "dense",
    "vector_dim": 64,
}
status, response = make_request("init", pred_init_data)
# 6. Generate and add prediction data
prediction_vectors, prediction_ids, prediction_attributes = generate_dataset(
    num_samples=100, vector_dim=64, id_prefix="pred", seed=2026
)
# Add prediction data in batch
pred_batch_data = {
    "user_api_key": API_KEY,
    "project_name": "AutoML-Demo",
    "collection_name": "prediction_data",
    "string_ids": prediction_ids,
    "data": prediction_vectors,
    "attributes": prediction_attributes,
}
status, response = make_request("add_data_batch", pred_batch_data)
pred_upload_job_id = response["job_id"]
# Wait for prediction data upload to complete
if not wait_for_job_completion(pred_upload_job_id, "get_upload_data_status"):
    exit(1)
# 7. Make predictions using the existing dataset
predict_data = {
    "user_api_key": API_KEY,
    "project_name": "AutoML-Demo",
    "collection_name": "training_data",
    "model_name": "model1",
    "prediction_dataset": "prediction_data",
}
status, prediction_results = make_request("automl_predict", predict_data)
